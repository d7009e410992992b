// The schema check (kubernetes-models validate(), precompiled ajv) once per object shape
// instead of once per object. The per-service objects of a mesh differ mostly in names:
// every Service of a 1,000-service mesh is the same object but for its name, labels and
// selector, and the ajv walk over each one was the verifier's largest cost (~170 ms of a
// 1,000-service compile). Two objects have one shape (sameShape) when they have the same
// keys, list lengths, numbers, booleans, nulls and strings, except the strings at the FREE
// paths below, where the schemas accept any string (test/kubernetes/schema-memo.test.ts
// probes each path with hostile strings and fails if one is refused); under a free map
// (labels, a ConfigMap's data) the keys are free too. Two objects of one shape get the same
// verdict from the schema, so an object of a shape that passed passes. A failing object is
// never kept: its findings are computed for every object like it.
// The strict pass (strict.ts: names, ports, durations, unknown fields) still runs on every object.

/** Per root type, the dotted paths whose string values (and, for a map, keys) the schema leaves free; `*` is any index or map key. */
const FREE: Readonly<Record<string, readonly string[]>> = {
  "*": ["metadata.name", "metadata.namespace", "metadata.labels.*", "metadata.annotations.*"],
  ConfigMap: ["data.*"],
  Service: ["spec.selector.*", "spec.ports.*.name", "spec.ports.*.appProtocol"],
  EndpointSlice: ["endpoints.*.addresses.*", "ports.*.name"],
  NetworkPolicy: ["spec.podSelector.matchLabels.*", "spec.ingress.*.from.*.podSelector.matchLabels.*", "spec.ingress.*.from.*.ipBlock.cidr"],
  Certificate: [
    "spec.commonName", "spec.dnsNames.*", "spec.uris.*", "spec.secretName", "spec.issuerRef.name",
    "spec.subject.organizations.*", "spec.subject.organizationalUnits.*",
  ],
  Deployment: [
    "spec.template.metadata.labels.*", "spec.template.spec.serviceAccountName",
    "spec.template.spec.containers.*.command.*", "spec.template.spec.containers.*.image", "spec.template.spec.containers.*.ports.*.name",
    "spec.template.spec.containers.*.volumeMounts.*.mountPath",
    "spec.template.spec.volumes.*.configMap.name", "spec.template.spec.volumes.*.configMap.items.*.key", "spec.template.spec.volumes.*.configMap.items.*.path",
    "spec.template.spec.volumes.*.secret.secretName", "spec.template.spec.volumes.*.secret.items.*.path",
  ],
};

/** A node of the free-path tree: children by segment (`*` any), and whether a string here is free. */
interface FreeNode {
  readonly children: Map<string, FreeNode>;
  free: boolean;
}

const newNode = (): FreeNode => ({ children: new Map(), free: false });

function buildTree(paths: readonly string[]): FreeNode {
  const root = newNode();
  for (const path of paths) {
    let node = root;
    for (const segment of path.split(".")) {
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = newNode()));
      node = child;
    }
    node.free = true;
  }
  return root;
}

const TREES = new Map<string, FreeNode>();
function treeOf(rootType: string): FreeNode {
  let tree = TREES.get(rootType);
  if (!tree) TREES.set(rootType, (tree = buildTree([...FREE["*"]!, ...(FREE[rootType] ?? [])])));
  return tree;
}

/**
 * Whether the schema of `rootType` takes any string at `segments` (a free path above: an index,
 * or a key with no node of its own, goes by `*`), as sameShape decides it for a string there
 * (template-check.ts asks it once per template slot).
 */
export function isFreeString(rootType: string, segments: readonly (string | number)[]): boolean {
  let node: FreeNode | undefined = treeOf(rootType);
  for (const segment of segments) {
    if (node === undefined) return false;
    // As sameShape walks: an index, and any key of a map whose `*` is free, by `*`; another key by its own node, else `*`.
    const any = node.children.get("*");
    node = typeof segment === "number" || any?.free === true ? any : node.children.get(segment) ?? any;
  }
  return node?.free === true;
}

/** The free paths of a root type (for the probe test). */
export const freePathsOf = (rootType: string): readonly string[] => [...FREE["*"]!, ...(FREE[rootType] ?? [])];

/**
 * Whether `a` has `b`'s shape: the same keys (in any order), list lengths, numbers, booleans,
 * nulls and strings, but strings at free nodes, which only need to be strings. Under a node
 * whose `*` child is free and that is a map, keys need not match either: the same number of
 * members, paired in order. A walk over both objects, no allocation but a free map's keys.
 */
function sameShape(a: unknown, b: unknown, node: FreeNode | undefined): boolean {
  if (typeof b === "string") return typeof a === "string" && (a === b || node?.free === true);
  if (b === null || typeof b !== "object" || a === null || typeof a !== "object") return a === b;
  const any = node?.children.get("*");
  if (Array.isArray(b)) {
    if (!Array.isArray(a) || a.length !== b.length) return false;
    for (let i = 0; i < b.length; i++) if (!sameShape(a[i], b[i], any)) return false;
    return true;
  }
  if (Array.isArray(a)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  if (any !== undefined && any.free) {
    // Labels, annotations, a ConfigMap's data: strings only, where the pairing cannot matter
    // (a string at a free node only needs to be a string): counted, no key arrays.
    const strings = stringMemberCount(x);
    if (strings >= 0 && strings === stringMemberCount(y)) return true;
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    if (kx.length !== ky.length) return false;
    for (let i = 0; i < ky.length; i++) if (!sameShape(x[kx[i]!], y[ky[i]!], any)) return false;
    return true;
  }
  let count = 0;
  for (const key in y) {
    if (!Object.hasOwn(y, key)) continue;
    count++;
    if (!Object.hasOwn(x, key) || !sameShape(x[key], y[key], node?.children.get(key) ?? any)) return false;
  }
  for (const key in x) if (Object.hasOwn(x, key)) count--;
  return count === 0;
}

/** How many own enumerable members `map` has when all are strings (as Object.keys counts them), else -1. */
function stringMemberCount(map: Record<string, unknown>): number {
  let count = 0;
  for (const key in map) {
    if (!Object.hasOwn(map, key)) continue;
    if (typeof map[key] !== "string") return -1;
    count++;
  }
  return count;
}

/** Per root type and verdict context (a patch skips `required`), objects whose schema check passed, newest last; a few per context. */
const passed = new Map<string, unknown[]>();
const MAX_SHAPES = 16;

/** Whether an object of `object`'s shape passed the schema before (`context`: root type and verdict rules). */
export function shapePassed(context: string, rootType: string, object: Record<string, unknown>): boolean {
  const shapes = passed.get(context);
  if (shapes === undefined) return false;
  const tree = treeOf(rootType);
  for (let i = shapes.length - 1; i >= 0; i--) if (sameShape(object, shapes[i], tree)) return true;
  return false;
}

/** Records that `object` passed; a copy is kept, so a later change to the object cannot change what the entry says. */
export function recordShapePassed(context: string, object: Record<string, unknown>): void {
  let shapes = passed.get(context);
  if (shapes === undefined) passed.set(context, (shapes = []));
  if (shapes.length >= MAX_SHAPES) shapes.shift();
  shapes.push(structuredClone(object));
}
