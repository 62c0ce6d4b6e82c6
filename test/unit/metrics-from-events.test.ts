import { Metric } from '../../shared/adapters/metric-names';
import { metricsOf } from '../../shared/adapters/metrics';
import { LogEvent } from '../../shared/core/log-events';

/** Fallbacks counts IM legs that went by SMS instead (IM → SMS), and nothing else. */
describe('the Fallbacks metric', () => {
  const names = (event: string, fields: Record<string, unknown>) =>
    metricsOf(event, fields).map((p) => p.name);

  it('counts an IM to an offline user (judged offline: it goes by SMS)', () => {
    expect(names(LogEvent.MessageAccepted, { route: 'sms', via: 'im' })).toContain(Metric.Fallbacks);
  });

  it('does not count a text from a phone that goes on by SMS: no IM leg fell back', () => {
    const routed = names(LogEvent.MessageRouted, { route: 'sms' });
    expect(routed).toContain(Metric.MessagesRouted);
    expect(routed).not.toContain(Metric.Fallbacks);
  });

  it('counts an IM leg whose ack did not come in time', () => {
    expect(names(LogEvent.MessageAckTimeout, {})).toEqual([Metric.Fallbacks]);
  });
});

describe('the RateLimited metric', () => {
  it('counts a WebSocket frame or connection over its limit, by scope, as it counts sign-in refusals', () => {
    for (const scope of ['frames', 'connections'])
      expect(metricsOf(LogEvent.WsRateLimited, { scope })).toEqual([
        expect.objectContaining({ name: Metric.RateLimited, dimensions: { scope } }),
      ]);
    expect(metricsOf(LogEvent.AuthRateLimited, { scope: 'phone' })).toEqual([
      expect.objectContaining({ name: Metric.RateLimited, dimensions: { scope: 'phone' } }),
    ]);
  });
});
