// Stub handler: the corpus deploys the service; the function body is never run.
'use strict';

module.exports.analyzeNote = async (event) => ({ records: (event.Records || []).length });
