// The access log format is the mesh's: every proxy holds the same IR field list, so the view
// builder renders it once per emitter (view/log.ts, sharedLogFormat) and every proxy prints
// that token. It must print what rendering the format for that proxy gives, per block
// variables (http and stream differ), and a format the renderer refuses must stay refused.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AccessLogField } from "../../compiler/ir/types.ts";
import { renderNginxValue } from "../../targets/nginx/escape.ts";
import { createViewCache } from "../../targets/nginx/view/context.ts";
import { buildLogFormat, sharedLogFormat, type LogFieldVariables } from "../../targets/nginx/view/log.ts";

const HTTP: LogFieldVariables = { method: "request_method", path: "request_uri", status: "status" };
const TCP: LogFieldVariables = { status: "status", bytes_sent: "bytes_sent" };

test("one rendered value per field list and block, printing what the format renders to", () => {
  const cache = createViewCache();
  const fields: AccessLogField[] = ["method", "path", "status", "bytes_sent"];
  const http = sharedLogFormat(cache, fields, HTTP);
  assert.is(http.kind, "rendered");
  assert.is(sharedLogFormat(cache, fields, HTTP), http);
  assert.is(renderNginxValue(http), renderNginxValue(buildLogFormat(fields, HTTP)));
  const tcp = sharedLogFormat(cache, fields, TCP);
  assert.is(renderNginxValue(tcp), renderNginxValue(buildLogFormat(fields, TCP)));
  assert.is.not(renderNginxValue(tcp), renderNginxValue(http));
  const other: AccessLogField[] = ["status"];
  assert.is(renderNginxValue(sharedLogFormat(cache, other, HTTP)), renderNginxValue(buildLogFormat(other, HTTP)));
  // Another emitter (another IR) renders its own.
  assert.is.not(sharedLogFormat(createViewCache(), fields, HTTP), http);
});

test("a format the renderer refuses is kept unrendered, so rendering the conf still refuses it", () => {
  const bad: LogFieldVariables = { method: "Bad-Name" };
  const value = sharedLogFormat(createViewCache(), ["method"], bad);
  assert.is(value.kind, "template");
  assert.throws(() => renderNginxValue(value));
});

test.run();
