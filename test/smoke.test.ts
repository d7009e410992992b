import { test } from "uvu";
import * as assert from "uvu/assert";
import { sampleIR } from "./fixtures/ir/sample.ts";
test("fixture loads", () => { assert.is(sampleIR.proxies.length, 3); });
test.run();
