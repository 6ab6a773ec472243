import { isNamespaced, KIND_INFO, kindNames, resolveKind } from "../../../src/api/kinds.js";

describe("resolveKind", () => {
  it.each([
    ["vms", "VirtualMachine"],
    ["vm", "VirtualMachine"],
    ["virtualmachine", "VirtualMachine"],
    ["virtualmachines", "VirtualMachine"],
    ["VirtualMachine", "VirtualMachine"],
    ["hosts", "Host"],
    ["host", "Host"],
    ["Host", "Host"],
    ["guestosprofiles", "GuestOSProfile"],
    ["guestosprofile", "GuestOSProfile"],
    ["os", "GuestOSProfile"],
    ["events", "Event"],
    ["event", "Event"],
    ["ev", "Event"],
    ["VMS", "VirtualMachine"],
  ])("%s → %s", (name, kind) => {
    expect(resolveKind(name)).toBe(kind);
  });

  it("returns undefined for unknown names", () => {
    expect(resolveKind("pods")).toBeUndefined();
    expect(resolveKind("")).toBeUndefined();
  });

  it("knows plural names and scope", () => {
    expect(KIND_INFO.VirtualMachine.plural).toBe("virtualmachines");
    expect(isNamespaced("VirtualMachine")).toBe(true);
    expect(isNamespaced("Event")).toBe(true);
    expect(isNamespaced("Host")).toBe(false);
    expect(isNamespaced("GuestOSProfile")).toBe(false);
    expect(kindNames("GuestOSProfile")).toEqual(["guestosprofiles", "guestosprofile", "os"]);
  });
});
