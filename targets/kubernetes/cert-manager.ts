// cert-manager objects: the mesh CA as an Issuer (its key pair in the Secret named like
// the CA), one Certificate per identity, and, in dev/, a self-signed ClusterIssuer that
// mints that CA Secret (and the gateways' hostname certificates) for clusters with no CA of their own.
import { Certificate, type ICertificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import { ClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer";
import { Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer";
import type { GatewayInfraIR, IdentityIR, KeyAlgorithm } from "../../compiler/ir/types.ts";
import { SERVER_CERTIFICATE_LIFETIME_MS } from "../certs/build-manifest.ts";
import { formatGoDuration } from "../certs/duration.ts";
import { buildMetadata, buildModelObject, type EmitContext, type Manifest } from "./context.ts";
import { DEV_FOLDER, DEV_SELF_SIGNED_ISSUER, manifestFileName } from "./names.ts";

const PRIVATE_KEY: Readonly<Record<KeyAlgorithm, { algorithm: "ECDSA" | "RSA"; size: number }>> = {
  "ecdsa-p256": { algorithm: "ECDSA", size: 256 },
  "ecdsa-p384": { algorithm: "ECDSA", size: 384 },
  "rsa-2048": { algorithm: "RSA", size: 2048 },
  "rsa-4096": { algorithm: "RSA", size: 4096 },
};

/** PKCS#8 for every algorithm, matching what `meshc certs issue` writes; a new key on every renewal. */
function buildPrivateKey(algorithm: KeyAlgorithm) {
  const { algorithm: keyAlgorithm, size } = PRIVATE_KEY[algorithm];
  return { algorithm: keyAlgorithm, size, encoding: "PKCS8" as const, rotationPolicy: "Always" as const };
}

type IKeyUsage = NonNullable<ICertificate["spec"]>["usages"] extends (infer U)[] | undefined ? U : never;

/** Key usages: EC keys sign only (no key encipherment); RSA keys also encipher for TLS 1.2 RSA key exchange. */
function buildUsages(algorithm: KeyAlgorithm): IKeyUsage[] {
  return algorithm.startsWith("rsa") ? ["digital signature", "key encipherment", "server auth", "client auth"] : ["digital signature", "server auth", "client auth"];
}

export function buildCaIssuer(ctx: EmitContext): Manifest {
  const { ca } = ctx.ir.infra;
  const object = buildModelObject(Issuer, { metadata: buildMetadata(ctx, ca.name), spec: { ca: { secretName: ca.name } } });
  return { file: manifestFileName("Issuer", ca.name), object };
}

/**
 * HAProxy reads the certificate and its key from one PEM file (`combinedPemPath`), which
 * cert-manager writes as the Secret key `tls-combined.pem` only when asked (cert-manager
 * >= 1.15 by default; 1.7-1.14 behind the AdditionalCertificateOutputFormats feature gate
 * on the controller and the webhook). Envoy and nginx read tls.crt and tls.key, so their
 * Certificates do not ask: older cert-manager installs keep accepting them.
 */
function buildAdditionalOutputFormats(ctx: EmitContext) {
  return ctx.flavour === "haproxy" ? [{ type: "CombinedPEM" as const }] : undefined;
}

export function buildIdentityCertificate(ctx: EmitContext, identity: IdentityIR): Manifest {
  const { ca } = ctx.ir.infra;
  const object = buildModelObject(Certificate, {
    metadata: buildMetadata(ctx, identity.name, identity.name, undefined, identity.namespace),
    spec: {
      secretName: identity.secretName,
      commonName: identity.subject.commonName,
      subject: { organizations: [identity.subject.organization], organizationalUnits: [identity.subject.organizationalUnit] },
      uris: [identity.spiffeId],
      dnsNames: identity.dnsNames.length === 0 ? undefined : [...identity.dnsNames],
      privateKey: buildPrivateKey(identity.keyAlgorithm),
      duration: formatGoDuration(identity.lifetimeMs),
      renewBefore: formatGoDuration(identity.renewBeforeMs),
      usages: buildUsages(identity.keyAlgorithm),
      issuerRef: { group: "cert-manager.io", kind: "Issuer", name: ca.name },
      additionalOutputFormats: buildAdditionalOutputFormats(ctx),
    },
  });
  return { file: manifestFileName("Certificate", identity.name), object };
}

/**
 * dev/: a self-signed ClusterIssuer and the CA Certificate it signs. Cluster-scoped, so
 * the dev kustomization sets no namespace (kustomize would stamp one on the CRD).
 */
export function buildDevBootstrap(ctx: EmitContext): Manifest[] {
  const { ca } = ctx.ir.infra;
  const labels = { "app.kubernetes.io/managed-by": "meshc", "app.kubernetes.io/part-of": ctx.ir.mesh.name };
  const issuer = buildModelObject(ClusterIssuer, { metadata: { name: DEV_SELF_SIGNED_ISSUER, labels }, spec: { selfSigned: {} } });
  const caCertificate = buildModelObject(Certificate, {
    metadata: buildMetadata(ctx, ca.name),
    spec: {
      isCA: true,
      secretName: ca.name,
      commonName: ca.commonName,
      subject: { organizations: [ctx.ir.mesh.trustDomain] },
      privateKey: buildPrivateKey(ca.keyAlgorithm),
      duration: formatGoDuration(ca.lifetimeMs),
      usages: ["cert sign", "crl sign"],
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: DEV_SELF_SIGNED_ISSUER },
    },
  });
  return [
    { file: `${DEV_FOLDER}/${manifestFileName("ClusterIssuer", DEV_SELF_SIGNED_ISSUER)}`, object: issuer },
    { file: `${DEV_FOLDER}/${manifestFileName("Certificate", ca.name)}`, object: caCertificate },
    ...ctx.ir.infra.gateways.flatMap((gateway) => buildDevGatewayCertificate(ctx, gateway)),
  ];
}

/** In production a gateway's hostname certificate comes from a public CA; on a dev cluster the mesh CA signs it, as `meshc certs issue` does. */
function buildDevGatewayCertificate(ctx: EmitContext, gateway: GatewayInfraIR): Manifest[] {
  if (gateway.tlsSecretName === null || gateway.hosts.length === 0) return [];
  const { ca } = ctx.ir.infra;
  const object = buildModelObject(Certificate, {
    metadata: buildMetadata(ctx, gateway.tlsSecretName, gateway.proxy),
    spec: {
      secretName: gateway.tlsSecretName,
      commonName: gateway.hosts.find((h) => !h.startsWith("*.")) ?? gateway.hosts[0],
      dnsNames: [...gateway.hosts],
      privateKey: buildPrivateKey(ca.keyAlgorithm),
      duration: formatGoDuration(SERVER_CERTIFICATE_LIFETIME_MS),
      usages: ["digital signature", "server auth"],
      issuerRef: { group: "cert-manager.io", kind: "Issuer", name: ca.name },
    },
  });
  return [{ file: `${DEV_FOLDER}/${manifestFileName("Certificate", gateway.tlsSecretName)}`, object }];
}
