// Stub handlers: the corpus deploys the service; the function bodies are never run.
'use strict';

const seen = (name) => async (event) => ({ handler: name, source: event.source || null });

module.exports.alice = async () => ({ statusCode: 200, body: 'sent' });
module.exports.bob = seen('bob');
module.exports.eve = seen('eve');
module.exports.dave = seen('dave');
