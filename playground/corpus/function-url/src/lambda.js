// Stub handler: the corpus deploys the service; the function body is never run.
'use strict';

exports.handler = async (event) => ({
  statusCode: 200,
  body: `stub ${event.requestContext ? event.requestContext.http.method : ''}`,
});
