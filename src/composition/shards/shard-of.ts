/**
 * Which shard a host belongs to: the 32-bit FNV-1a hash of its name modulo the number of
 * shards. A function of the name alone, so a host's VMs — even VMs waiting for a host that does
 * not exist yet — always go to the same shard, and any N gives the same simulation (each host
 * draws from its own random stream; docs/memory-model.md §1).
 */
import { nameHash } from "../../engine/random.js";

/** The shard (0 … count − 1) of the host named `hostName`. */
export function shardOf(hostName: string, count: number): number {
  return count <= 1 ? 0 : nameHash(hostName) % count;
}
