// Stub handler: the corpus deploys the service; the function body is never run.
'use strict';

module.exports.addNote = async (event) => ({ statusCode: 200, body: event.body || '' });
