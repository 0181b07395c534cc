// Stub handlers: the corpus deploys the service; the function bodies are never run.
'use strict';

module.exports.sender = async () => ({ statusCode: 200, body: 'queued' });

module.exports.receiver = async (event) => ({ records: (event.Records || []).length });
