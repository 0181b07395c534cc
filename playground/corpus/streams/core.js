// Stub handlers: the corpus deploys the service; the function bodies are never run.
'use strict';

const count = async (event) => ({ records: (event.Records || []).length });

module.exports.streamDynamoDb = count;
module.exports.streamKinesis = count;
