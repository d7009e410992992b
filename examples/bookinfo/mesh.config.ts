import { defineMesh } from "meshc";

// The classic bookinfo application, deployed onto Istio's unmodified Bookinfo manifests
// (samples/bookinfo/platform/kube/bookinfo.yaml): every service is selected by its pod
// labels, the app's own ServiceAccounts (bookinfo-<service>) and Services are adopted, and
// traffic capture lets the apps keep port 9080 and their plain http://<service>:9080 calls.
// Add kubernetes/ as a resource and kubernetes/sidecars as a component of the overlay that
// holds the app. reviews runs three versions (reviews-v1..v3 Deployments, one sidecar
// patch for all): testers (the end-user header) see v3, everyone else a 50/50 split of v1 and v2.
export default defineMesh({
  name: "bookinfo",
  trustDomain: "cluster.local",
  namespace: "bookinfo",
  defaults: { mtls: "strict", authorization: "deny", timeout: "3s", retries: { attempts: 1, perTryTimeout: "1s" }, capture: true },
  services: {
    productpage: {
      ports: { http: { port: 9080, protocol: "http" } },
      kubernetes: { serviceAccount: "bookinfo-productpage", emitService: false },
    },
    details: {
      ports: { http: { port: 9080, protocol: "http" } },
      kubernetes: { serviceAccount: "bookinfo-details", emitService: false },
    },
    reviews: {
      ports: { http: { port: 9080, protocol: "http" } },
      versions: { v1: {}, v2: {}, v3: {} },
      outlierDetection: { consecutive5xx: 3, ejectFor: "15s" },
      kubernetes: { serviceAccount: "bookinfo-reviews", emitService: false },
    },
    ratings: {
      ports: { http: { port: 9080, protocol: "http" } },
      rateLimit: { requests: 50, per: "1s", burst: 10 },
      kubernetes: { serviceAccount: "bookinfo-ratings", emitService: false },
    },
  },
  gateways: {
    bookinfo: {
      port: 8443,
      hosts: ["bookinfo.example.com"],
      routes: [{ name: "productpage", match: { path: { prefix: "/" } }, to: "productpage" }],
    },
  },
  routes: [
    { name: "details", from: "productpage", to: "details", match: { path: { prefix: "/details" }, methods: ["GET"] } },
    { name: "reviews-testers", from: "productpage", to: "reviews",
      match: { path: { prefix: "/reviews" }, headers: { "end-user": "jason" } }, split: { v3: 100 } },
    { name: "reviews", from: "productpage", to: "reviews", match: { path: { prefix: "/reviews" } },
      split: { v1: 50, v2: 50 } },
    { name: "ratings", from: "reviews", to: "ratings", match: { path: { prefix: "/ratings" } }, timeout: "2s" },
  ],
  authorization: [
    { name: "productpage-reads-details", allow: { from: ["productpage"], to: "details", methods: ["GET"] } },
    { name: "productpage-reads-reviews", allow: { from: ["productpage"], to: "reviews", methods: ["GET"] } },
    { name: "reviews-reads-ratings", allow: { from: ["reviews"], to: "ratings", methods: ["GET"] } },
  ],
  kubernetes: { imagePullPolicy: "IfNotPresent", resources: { proxy: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } } } },
});
