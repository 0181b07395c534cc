// Stub handler: the corpus deploys the service; the function body is never run.
'use strict';

exports.handler = async () => ({
  statusCode: 200,
  headers: { 'Content-Type': 'text/plain' },
  body: 'stub',
});
