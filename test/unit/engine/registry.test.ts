import { CONTROLLER_ORDER, type Controller } from "../../../src/engine/controller.js";
import { ControllerRegistryError, orderControllers } from "../../../src/engine/registry.js";
import { controller } from "../../helpers/fakes.js";

const builtin = (name: string) => controller(name, "Host");

describe("orderControllers", () => {
  it("orders built-ins by CONTROLLER_ORDER and puts added ones at the custom slot, in the order added", () => {
    const builtins = ["vm-status", "balloon", "reservation", "swap", "host-status"].map(builtin);
    const added = [controller("audit", "VirtualMachine"), controller("alpha", "Host")];
    expect(orderControllers({ builtins, added }).map((c) => c.name)).toEqual([
      "reservation",
      "balloon",
      "swap",
      "audit",
      "alpha",
      "host-status",
      "vm-status",
    ]);
  });

  it("removes disabled built-ins", () => {
    const builtins = ["page-sharing", "balloon"].map(builtin);
    expect(orderControllers({ builtins, disable: ["page-sharing"] }).map((c) => c.name)).toEqual(["balloon"]);
  });

  it("rejects an unknown name in disable, listing the known ones", () => {
    const builtins = ["balloon", "swap"].map(builtin);
    expect(() => orderControllers({ builtins, disable: ["ballon"] })).toThrow(ControllerRegistryError);
    expect(() => orderControllers({ builtins, disable: ["ballon"] })).toThrow('"ballon", which is not a built-in controller; known: balloon, swap');
  });

  it("rejects two controllers with the same name, naming both", () => {
    expect(() => orderControllers({ builtins: [builtin("balloon")], added: [controller("balloon", "VirtualMachine")] })).toThrow(
      /two controllers are named "balloon" \(built-in and added\).*controllers\.disable/,
    );
    expect(() => orderControllers({ builtins: [], added: [controller("x", "Host"), controller("x", "Host")] })).toThrow(
      'two controllers are named "x" (added and added)',
    );
  });

  const malformed: [string, unknown, string][] = [
    ["an empty name", { name: "", forKind: "Host", reconcile: () => undefined }, "added controller #1 has no name"],
    ["a blank name", { name: "  ", forKind: "Host", reconcile: () => undefined }, "has no name"],
    ["no name", { forKind: "Host", reconcile: () => undefined }, "has no name"],
    ["a bad forKind", { name: "x", forKind: "Pod", reconcile: () => undefined }, 'added controller "x" has forKind "Pod"'],
    ["no reconcile", { name: "x", forKind: "Host" }, 'added controller "x" has no reconcile'],
  ];
  it.each(malformed)("rejects a controller with %s", (_what, bad, message) => {
    expect(() => orderControllers({ builtins: [], added: [bad as unknown as Controller] })).toThrow(message);
  });

  it("rejects a built-in that has no place in CONTROLLER_ORDER", () => {
    expect(() => orderControllers({ builtins: [builtin("mystery")] })).toThrow('built-in controller "mystery" has no place in CONTROLLER_ORDER');
  });

  it("keeps every built-in name of CONTROLLER_ORDER placeable", () => {
    const names = CONTROLLER_ORDER.filter((n) => n !== "*custom*");
    expect(orderControllers({ builtins: names.map(builtin) }).map((c) => c.name)).toEqual(names);
  });
});
