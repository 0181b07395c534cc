// Stub handler: the corpus deploys the service; the function body is never run.
'use strict';

exports.handler = async () => ({ secretArn: process.env.SECRET_ARN || null });
