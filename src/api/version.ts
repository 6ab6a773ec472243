/** The `apiVersion` of memplane's own kinds (Host, VirtualMachine, GuestOSProfile, Scenario). */
export const API_VERSION = "memplane.io/v1alpha1";
