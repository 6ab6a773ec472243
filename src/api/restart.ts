/**
 * Asking for a guest restart (docs/manifests.md, *Restarting a guest*): like `kubectl rollout
 * restart`, which stamps `kubectl.kubernetes.io/restartedAt` on a pod template, a VM restarts
 * its guest OS when the value of its `memplane.io/restartedAt` annotation changes. The value
 * is free text; `memplane restart` and the Scenario `restart` step write the simulated time.
 */

/** The annotation whose change restarts a running VM's guest. */
export const RESTART_ANNOTATION = "memplane.io/restartedAt";

/** The annotation value that asks for a restart at simulated time `time` (e.g. `10m30s`), different from `current`. */
export function restartStamp(time: string, current: string | undefined): string {
  if (current === undefined || (current !== time && !current.startsWith(`${time}#`))) return time;
  const n = current === time ? 1 : Number(current.slice(time.length + 1)) || 1;
  return `${time}#${n + 1}`;
}

/** The parts of a stored VM a restart request rewrites. */
interface RestartableVm {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Readonly<Record<string, string>>; annotations?: Readonly<Record<string, string>>; resourceVersion?: string };
  spec: unknown;
}

/**
 * The manifest that asks a stored VM's guest to restart at simulated time `time`: the same
 * spec, labels and annotations, with a new `memplane.io/restartedAt` (and the stored
 * resourceVersion, so a concurrent change is refused rather than overwritten).
 */
export function restartManifest(vm: RestartableVm, time: string): object {
  const { name, namespace, labels, annotations, resourceVersion } = vm.metadata;
  return {
    apiVersion: vm.apiVersion,
    kind: vm.kind,
    metadata: {
      name,
      ...(namespace !== undefined && { namespace }),
      ...(labels !== undefined && { labels: { ...labels } }),
      annotations: { ...annotations, [RESTART_ANNOTATION]: restartStamp(time, annotations?.[RESTART_ANNOTATION]) },
      ...(resourceVersion !== undefined && { resourceVersion }),
    },
    spec: JSON.parse(JSON.stringify(vm.spec)) as unknown,
  };
}
