// Imported first by the local entry point. The AWS SDK warns once per process that releases after January 2027
// need Node 22; the lockfile pins releases that run on Node 20, so the warning is only noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
