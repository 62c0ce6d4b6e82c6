/**
 * Every event name the core logs, and those the runtime and handlers log around it. One list, imported by the
 * code that logs and by the metrics derived from the events (shared/adapters/metrics.ts, which the CDK
 * dashboard and alarms read), so a rename cannot silently break an alarm. Core log calls use these constants, never a string (the linter checks shared/core).
 * Fields are ids and outcomes only: never phones, codes, tokens or bodies.
 */
export const LogEvent = {
  // Delivery (shared/core/delivery)
  /** A new message was stored and judged (messageId, via, route: 'im' | 'sms'). */
  MessageAccepted: 'message.accepted',
  /** A message id already on record: a retried send or a redelivered webhook, dropped (messageId). */
  /** A stored inbound message was judged and claimed by its routing check (messageId, route: 'im' | 'sms'). */
  MessageRouted: 'message.routed',
  MessageDuplicate: 'message.duplicate',
  /** A sendMessage under a clientId the sender used for another message, refused `client_id_reused` (messageId of the kept one). */
  MessageClientIdReused: 'message.client_id_reused',
  /** The IM leg ran (messageId, devices, pushed, gone). */
  MessagePushed: 'message.pushed',
  /** One push failed with an error other than Gone (messageId, connectionId, error). */
  ImPushFailed: 'im.push_failed',
  /** A push answered Gone on a connection young enough to be in its handshake: its row is kept (messageId, connectionId). */
  ImPushGoneInHandshake: 'im.push_gone_in_handshake',
  /** A receipt could not be pushed to the sender (messageId, error). */
  ReceiptPushFailed: 'receipt.push_failed',
  /** The recipient acknowledged a pushed message (messageId). */
  MessageDelivered: 'message.delivered',
  /** An ack's round trip could not be written to its connection's link stats; one sample lost (messageId, connectionId, error). */
  LinkStatsWriteFailed: 'link.stats_write_failed',
  /** A late or repeated ack, which changes nothing (messageId, status). */
  MessageAckIgnored: 'message.ack_ignored',
  /**
   * A message's row was written so late that its delivery check may have come due first and found nothing: the
   * check is set again (messageId).
   */
  AckCheckRescheduled: 'ack.check_rescheduled',
  /**
   * A text's route check found no row after its last try (im-sms/inbound-route.ts, ROUTE_RETRY_DELAYS_MS): the
   * webhook died before storing it, or the store never landed (messageId, tries).
   */
  RouteCheckGaveUp: 'route.check_gave_up',
  /** No ack came in time; the message falls back to SMS (messageId). */
  MessageAckTimeout: 'message.ack_timeout',
  /** An SMS send a crash interrupted is tried again (messageId, resends). */
  MessageSmsResumed: 'message.sms_resumed',
  /**
   * A resume sent nothing: the provider could not be asked whether an earlier try was taken. It does not count as
   * a resend; the delivery check asks again later (messageId, failedLookups).
   */
  MessageSmsResumeDeferred: 'message.sms_resume_deferred',
  /** The provider took the SMS leg (messageId, sid, segments, encoding). */
  MessageSentSms: 'message.sent_sms',
  /** A message ended as `failed` (messageId, reason). Alarmed on. */
  MessageFailed: 'message.failed',
  /** A WebSocket frame or $connect over its limit (imNumber, connectionId?, scope: 'frames' | 'connections'). */
  WsRateLimited: 'ws.rate_limited',
  /** An SMS leg would pass its sender's daily SMS budget (messageId, from: the sender's imNumber, segments). */
  SmsBudgetExceeded: 'sms.budget_exceeded',
  /** A provider delivery report for an SMS leg (messageId, status: the provider's word, applied). Alarmed on. */
  SmsStatus: 'message.sms_status',
  /** A write that must land was retried (ref, attempt, error). */
  StoreWriteRetried: 'store.write_retried',

  // IM-SMS (shared/core/im-sms)
  /** One provider send failed (ref, provider, attempt, retryable, code, unanswered: no answer came). */
  SmsSendFailed: 'sms.send_failed',
  /** A retry found the provider had taken an earlier try (ref). */
  SmsTakenBeforeRetry: 'sms.taken_before_retry',
  /** The provider's list shows it took a try whose answer was lost: that one counts, nothing is sent again. */
  SmsFoundAtProvider: 'sms.found_at_provider',
  /** A try got no answer (the provider may still be taking it): its message's resume asks, later (ref). */
  SmsLeftToResume: 'sms.left_to_resume',
  /**
   * A try of a message's SMS leg reached its claim's deadline (core/delivery/sms-fence.ts) before its create
   * (ref, attempt): nothing more is sent, its resume asks the provider first.
   */
  SmsTryPastDeadline: 'sms.try_past_deadline',
  /**
   * An SMS sent inside a request someone waits on (a Twilio webhook, an API call) reached the request's deadline
   * (core/im-sms/send.ts) before its next step (ref, attempt, step: try, backoff or lookup; outcome: `unknown` when
   * a try may have been taken, `not_sent` when none was): nothing more is sent.
   */
  SmsAnswerDeadline: 'sms.answer_deadline',
  /**
   * Twilio's per-number opt-out changed for a user's phone (sid or imNumber, serviceNumber, blocked; refused: learnt
   * from a 21610): no SMS goes from a blocked number to that phone (core/im-sms/provider-opt-out.ts).
   */
  SmsNumberBlocked: 'sms.number_blocked',
  /** The provider could not be asked whether it took a try: nothing is sent until it can be. */
  SmsLookupFailed: 'sms.lookup_failed',
  /** A message's SMS leg is left for its delivery check: whether the provider took it is not known yet. */
  SmsOutcomeUnknown: 'sms.outcome_unknown',
  /** An inbound STOP/START/HELP (sid, keyword). */
  SmsKeyword: 'sms.keyword',
  /** An inbound SMS that reached nobody (sid, reason, replied). */
  SmsNotRouted: 'sms.not_routed',
  /** A reply the opt-out gate withheld from a phone that texted STOP (sid, reason). */
  SmsReplyWithheld: 'sms.reply_withheld',
  /** A text from one of our own service numbers: not a person, not routed, not answered (sid). */
  SmsFromServiceNumber: 'sms.from_service_number',
  /**
   * A text from a phone in a country outside SMS_COUNTRIES: handled, but answered with nothing (sid,
   * countryCode: the calling code only, never the number).
   */
  SmsFromUnservedCountry: 'sms.from_unserved_country',
  /** An inbound SMS that carried media (MMS); the media is not carried, only the text (sid, media: the count). */
  SmsMediaDropped: 'sms.media_dropped',
  /** A retried keyword webhook whose MessageSid was handled already, dropped (sid). */
  SmsDuplicate: 'sms.duplicate',

  // Login status (shared/core/login-status)
  PresenceConnected: 'presence.connected',
  PresenceDisconnected: 'presence.disconnected',
  /** A user's last connections were found expired and the expiry announced (imNumber, connections). */
  PresenceExpired: 'presence.expired',
  /** Manual presence mode set (imNumber, mode). */
  PresenceMode: 'presence.mode',
  /** A presence change told to the user's watchers (imNumber, status, pages, watchers, pushes). */
  PresenceFannedOut: 'presence.fanned_out',
  /** A presence frame to one watcher's connection failed (imNumber, connectionId). */
  PresencePushFailed: 'presence.push_failed',
  /** A push found a connection gone, and removing its row (or announcing the user offline) failed (imNumber, connectionId, err). */
  PresenceGoneFailed: 'presence.gone_failed',

  // Invitations (shared/core/invitations)
  /** An invitation SMS went out (inviter). */
  InvitationSent: 'invitation.sent',
  /** An invitation was accepted, declined, cancelled, expired or withdrawn (inviter, status). */
  InvitationClosed: 'invitation.closed',
  /** The inviter could not be told of an invitation's outcome (inviter, error). */
  InvitationNotifyFailed: 'invitation.notify_failed',

  // Contacts (shared/core/contacts)
  /** A contact added (owner, kind). */
  ContactAdded: 'contact.added',
  /** A contact removed (owner, kind). */
  ContactRemoved: 'contact.removed',
  /** A user changed their name (imNumber; never the name). */
  ProfileRenamed: 'profile.renamed',

  // IVR direct call (shared/core/ivr)
  /** A call to a service number was answered with a prompt, a dial or a refusal (callSid, outcome, reason?). */
  IvrCall: 'ivr.call',
  /** A dialled contact did not answer; a missed-call note was routed to them (callSid, status, messageId). */
  IvrMissedCall: 'ivr.missed_call',
  /** The `call` frame could not be pushed to one of the callee's devices (callSid, connectionId, error). */
  IvrCallPushFailed: 'ivr.call_push_failed',
  // Provisioning (shared/core/provisioning)
  /** An account was created (imNumber). */
  UserCreated: 'user.created',
  AuthCodeSent: 'auth.code_sent',
  /** A code request over a limit (scope, windowMs). */
  AuthRateLimited: 'auth.rate_limited',
  AuthLocked: 'auth.locked',
  /** A wrong code (triesLeft). */
  AuthWrongCode: 'auth.wrong_code',
  /** A code verified (imNumber, created). */
  AuthVerified: 'auth.verified',

  // Runtime and handlers (shared/runtime, functions)
  /** An unexpected error in a handler (where, error, code). */
  HandlerFailed: 'handler.failed',
  /** An `error` frame could not be pushed (where, connectionId, error). */
  ErrorFramePushFailed: 'error_frame.push_failed',
  /** A Twilio webhook without a valid signature, refused (where, present). */
  TwilioBadSignature: 'twilio.bad_signature',
  /** Re-reading an expired secret failed; the values read before stay in use (the error, by describeError). */
  SecretsRefreshFailed: 'secrets.refresh_failed',
  /**
   * A WebSocket frame answered with an `error` frame: refused before any core call (bad JSON, a shape its schema
   * refuses, an unknown action), by the core's rules (`invalid_name`, `unknown_message`, …) or failed (`internal`),
   * or (local gateway) over the frame size quota (where, connectionId, action: the route key, reason: the error code).
   */
  WsFrameRefused: 'ws.frame_refused',
  /** A WebSocket connect without a valid token, refused. */
  WsUnauthorized: 'ws.unauthorized',
  /** An inbound SMS webhook missing a parameter (sid). */
  SmsInboundIncomplete: 'sms.inbound_incomplete',
  /** An inbound SMS from a sender that is not a phone number (sid). */
  SmsInboundBadSender: 'sms.inbound_bad_sender',
  /**
   * A signed Twilio webhook with an identifier of the wrong shape or length (a MessageSid, CallSid, `To`, or a
   * status callback's `m`): answered 200 and changes nothing (where, field).
   */
  TwilioBadIdentifier: 'twilio.bad_identifier',
  /** An ack-timer record that is not a message check (recordId). */
  AckBadRecord: 'ack.bad_record',
  /** An ack check failed and will be retried by the queue (recordId, error). */
  AckCheckFailed: 'ack.check_failed',
  /** A delivery-check batch answered before some records finished; SQS redelivers them (records, unfinished, recordIds). */
  AckBatchUnfinished: 'ack.batch_unfinished',
} as const;

export type LogEventName = (typeof LogEvent)[keyof typeof LogEvent];
