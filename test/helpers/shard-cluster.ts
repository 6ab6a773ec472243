/**
 * The small churny cluster the sharding tests share (worker threads, in-process shards, shard
 * checkpoints and replay): hosts `esx-<i>` (8 GiB unless said) under rotating policies, and VMs `vm-<h>-<n>`
 * whose sizes and workloads vary with their numbers, so that ballooning and swapping act.
 */

/** Host `esx-<i>` of `capacity`, its policy the i-th of `policies` (cycling). */
export function shardHost(i: number, policies: readonly string[], capacity = "8Gi"): string {
  return `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-${i}}
spec: {capacity: ${capacity}, policy: ${policies[i % policies.length]}}
`;
}

/** VM `vm-<h>-<n>` on host `esx-<to>` (its own host `esx-<h>` unless moved). */
export function shardVm(h: number, n: number, to = h): string {
  return `apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: vm-${h}-${n}}
spec:
  hostName: esx-${to}
  memory: ${2 + (n % 3)}Gi
  workload: {allocated: ${60 + ((h * 7 + n * 13) % 35)}%, active: ${30 + ((h + n * 5) % 50)}}
`;
}

/** `hosts` hosts of `capacity` with `vmsPerHost` VMs each, as one multi-document manifest. */
export function shardCluster(hosts: number, vmsPerHost: number, policies: readonly string[], capacity = "8Gi"): string {
  return Array.from({ length: hosts }, (_, h) => [shardHost(h, policies, capacity), ...Array.from({ length: vmsPerHost }, (_, n) => shardVm(h, n))].join("---\n")).join("---\n");
}
