// meshc's own strict pass over emitted objects: what kubernetes-models validate() lets
// through. Unknown fields (checked against known-fields.json, generated from the models'
// typed declarations), ports outside 1..65535, names that are not DNS-1123, and
// cert-manager durations that Go's time.ParseDuration would reject.
import { isGoDuration, parseGoDuration } from "../certs/duration.ts";
import knownFields from "./schema/known-fields.json" with { type: "json" };
import type { Segment } from "./yaml-locate.ts";

export type StrictRule = "fieldUnknown" | "portOutOfRange" | "nameInvalid" | "durationInvalid";
export interface StrictFinding {
  readonly rule: StrictRule;
  readonly segments: readonly Segment[];
  readonly message: string;
}

const TABLE = knownFields as { roots: Record<string, string>; types: Record<string, Record<string, string>> };

/** Kustomization (and Component, the same fields) has no model; these are the kustomize fields the target uses or may use. */
const KUSTOMIZATION_TYPES: Record<string, Record<string, string>> = {
  Kustomization: { apiVersion: "", kind: "", namespace: "", resources: "", components: "", patches: "KPatch[]", labels: "", commonAnnotations: "", images: "" },
  KPatch: { path: "", patch: "", target: "KTarget", options: "" },
  KTarget: { group: "", version: "", kind: "", name: "", namespace: "", labelSelector: "", annotationSelector: "" },
};

const PORT_FIELDS = new Set(["port", "targetPort", "containerPort", "hostPort", "nodePort", "endPort"]);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Kinds whose names end up in DNS records, so they must be single labels. */
const LABEL_NAMED_KINDS = new Set(["Namespace", "Service"]);

export function rootTypeOf(apiVersion: unknown, kind: unknown): string | null {
  if (apiVersion === "kustomize.config.k8s.io/v1beta1" && kind === "Kustomization") return "Kustomization";
  if (apiVersion === "kustomize.config.k8s.io/v1alpha1" && kind === "Component") return "Kustomization";
  return TABLE.roots[`${String(apiVersion)}/${String(kind)}`] ?? null;
}

/**
 * A type's fields as a Map, made on its first use: a lookup in the JSON table would also find
 * Object.prototype's members (a field "constructor" passed as known), and Map lookups are
 * what a walk over every field of every object should pay.
 */
const FIELD_MAPS = new Map<string, ReadonlyMap<string, string> | null>();
function fieldsOf(type: string): ReadonlyMap<string, string> | null {
  let map = FIELD_MAPS.get(type);
  if (map === undefined) {
    const fields = Object.hasOwn(KUSTOMIZATION_TYPES, type) ? KUSTOMIZATION_TYPES[type] : Object.hasOwn(TABLE.types, type) ? TABLE.types[type] : undefined;
    FIELD_MAPS.set(type, (map = fields ? new Map(Object.entries(fields)) : null));
  }
  return map;
}

/** A field type of known-fields.json: a list or map of an inner type, or a named object type. */
type ParsedType = { readonly kind: "collection"; readonly inner: string } | { readonly kind: "object"; readonly name: string };
function parseTypeText(type: string): ParsedType {
  const collection = /^(.*)\[\]$/.exec(type) ?? /^\{(.*)\}$/.exec(type);
  return collection ? { kind: "collection", inner: collection[1]! } : { kind: "object", name: type };
}
/** Every type text the tables name (and the inner types of lists and maps), parsed once at load, not by two regexps per visited field. */
const PARSED_TYPES: ReadonlyMap<string, ParsedType> = (() => {
  const out = new Map<string, ParsedType>();
  const add = (text: string) => {
    for (let t = text; t !== "" && !out.has(t);) {
      const parsed = parseTypeText(t);
      out.set(t, parsed);
      t = parsed.kind === "collection" ? parsed.inner : "";
    }
  };
  Object.values(TABLE.roots).forEach(add);
  for (const table of [TABLE.types, KUSTOMIZATION_TYPES]) for (const [name, fields] of Object.entries(table)) { add(name); Object.values(fields).forEach(add); }
  return out;
})();
const parseType = (type: string): ParsedType => PARSED_TYPES.get(type) ?? parseTypeText(type);

// The walks below keep one path stack (`segments`, pushed and popped) and copy it only into
// a finding: a fresh array per visited field was most of their cost on a large bundle.

function collectUnknownFields(value: unknown, type: string, segments: Segment[], out: StrictFinding[]): void {
  if (value === null || typeof value !== "object") return;
  const parsed = parseType(type);
  if (parsed.kind === "collection") {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) { segments.push(i); collectUnknownFields(value[i], parsed.inner, segments, out); segments.pop(); }
    } else {
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        segments.push(key); collectUnknownFields((value as Record<string, unknown>)[key], parsed.inner, segments, out); segments.pop();
      }
    }
    return;
  }
  const fields = fieldsOf(parsed.name);
  if (!fields || Array.isArray(value)) return;
  for (const key in value) {
    const member = (value as Record<string, unknown>)[key];
    // An undefined member is not in the text (toYaml skips it): absent, as for the parsed file.
    if (member === undefined || !Object.hasOwn(value, key)) continue;
    const child = fields.get(key);
    if (child === undefined) out.push({ rule: "fieldUnknown", segments: [...segments, key], message: `unknown field "${key}"` });
    else if (child !== "") { segments.push(key); collectUnknownFields(member, child, segments, out); segments.pop(); }
  }
}

/** Every numeric port field anywhere in the object; named ports (strings) are checked as names. */
function collectPortsAndNames(value: unknown, segments: Segment[], out: StrictFinding[]): void {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    // An item's index is neither a port field nor "name": only collections inside are walked.
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item !== null && typeof item === "object") { segments.push(i); collectPortsAndNames(item, segments, out); segments.pop(); }
    }
    return;
  }
  // Whether `value` is an item of a `ports` list: its `name` is a port name.
  const inPorts = segments.length >= 2 && segments[segments.length - 2] === "ports";
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const member = (value as Record<string, unknown>)[key];
    if (member === null || typeof member !== "object") {
      if (typeof member === "number" && PORT_FIELDS.has(key) && !(Number.isInteger(member) && member >= 1 && member <= 65535)) {
        out.push({ rule: "portOutOfRange", segments: [...segments, key], message: `port ${member} is outside 1..65535` });
      }
      if (inPorts && key === "name" && typeof member === "string") checkPortName(member, segments, out);
      continue;
    }
    segments.push(key);
    collectPortsAndNames(member, segments, out);
    segments.pop();
  }
}

// The strings this pass reads, and the test each gets: an object's name and namespace and a
// port's name; its other checks read keys and numbers (and a Certificate's durations).
// template-check.ts, which runs this pass once per template and strings it reads, tests the
// strings at these places per object with the predicates below: a check on another string
// must be named by strictStringCheck too.

const isContainerPort = (segments: readonly Segment[]) => segments.includes("containers");

/** Whether a port named `member` (segments: the path of its port item) passes: a container port's an IANA service name, else a DNS label. */
export const portNameOk = (member: string, segments: readonly Segment[]): boolean =>
  isContainerPort(segments) ? DNS_LABEL.test(member) && member.length <= 15 && /[a-z]/.test(member) : DNS_LABEL.test(member) && member.length <= 63;

/** Whether `name` is a valid metadata.name of a `kind`: a DNS label for kinds named in DNS records, else a DNS subdomain. */
export const objectNameOk = (kind: unknown, name: string): boolean =>
  LABEL_NAMED_KINDS.has(String(kind)) ? DNS_LABEL.test(name) && name.length <= 63 : DNS_SUBDOMAIN.test(name) && name.length <= 253;

/** Whether `namespace` is a valid metadata.namespace: a DNS label. */
export const namespaceOk = (namespace: string): boolean => DNS_LABEL.test(namespace) && namespace.length <= 63;

/**
 * Which check of this pass reads the string at `segments` of an object: "name" (objectNameOk),
 * "namespace" (namespaceOk), "portName" (portNameOk, given the path of the port item), "fixed"
 * (a check with no predicate here: a Certificate's durations), or null (none reads it).
 */
export function strictStringCheck(segments: readonly Segment[]): "name" | "namespace" | "portName" | "fixed" | null {
  const n = segments.length;
  if (n === 2 && segments[0] === "metadata") return segments[1] === "name" ? "name" : segments[1] === "namespace" ? "namespace" : null;
  if (n === 2 && segments[0] === "spec" && (segments[1] === "duration" || segments[1] === "renewBefore")) return "fixed";
  // `name` of a member of `ports` (a list item, or a map value), as collectPortsAndNames finds it.
  if (n >= 3 && segments[n - 1] === "name" && segments[n - 3] === "ports") return "portName";
  return null;
}

function checkPortName(member: string, segments: readonly Segment[], out: StrictFinding[]): void {
  // Container port names are IANA service names (15 characters, a letter); Service/EndpointSlice port names DNS labels.
  if (!portNameOk(member, segments)) out.push({ rule: "nameInvalid", segments: [...segments, "name"], message: `port name "${member}" is not a valid ${isContainerPort(segments) ? "IANA service name" : "DNS-1123 label"}` });
}

function collectNameFindings(object: Record<string, unknown>, out: StrictFinding[]): void {
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const name = metadata.name;
  const label = LABEL_NAMED_KINDS.has(String(object.kind));
  if (typeof name === "string" && !objectNameOk(object.kind, name)) {
    out.push({ rule: "nameInvalid", segments: ["metadata", "name"], message: `name "${name}" is not a DNS-1123 ${label ? "label" : "subdomain"}` });
  }
  if (typeof metadata.namespace === "string" && !namespaceOk(metadata.namespace)) {
    out.push({ rule: "nameInvalid", segments: ["metadata", "namespace"], message: `namespace "${metadata.namespace}" is not a DNS-1123 label` });
  }
}

function collectDurationFindings(object: Record<string, unknown>, out: StrictFinding[]): void {
  if (object.apiVersion !== "cert-manager.io/v1" || object.kind !== "Certificate") return;
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  for (const field of ["duration", "renewBefore"]) {
    const text = spec[field];
    if (text !== undefined && (typeof text !== "string" || !isGoDuration(text))) {
      out.push({ rule: "durationInvalid", segments: ["spec", field], message: `${field} ${JSON.stringify(text)} is not a Go duration like "2160h0m0s"` });
    }
  }
  const duration = typeof spec.duration === "string" ? parseGoDuration(spec.duration) : null;
  const renew = typeof spec.renewBefore === "string" ? parseGoDuration(spec.renewBefore) : null;
  if (duration !== null && renew !== null && renew >= duration) {
    out.push({ rule: "durationInvalid", segments: ["spec", "renewBefore"], message: `renewBefore ${spec.renewBefore} is not shorter than duration ${spec.duration}` });
  }
}

export function collectStrictFindings(object: Record<string, unknown>, rootType: string): StrictFinding[] {
  const out: StrictFinding[] = [];
  collectUnknownFields(object, rootType, [], out);
  collectPortsAndNames(object, [], out);
  collectNameFindings(object, out);
  collectDurationFindings(object, out);
  return out;
}
