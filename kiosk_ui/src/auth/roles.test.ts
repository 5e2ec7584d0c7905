import { describe, expect, it } from "vitest";
import type { Role } from "../api/types";
import { homeFor, screensFor } from "./roles";

const paths = (role: Role, group?: "office" | "hr") => screensFor(role, group).map((s) => s.path);

describe("navigation by role, as the API's routes allow", () => {
  it("gives managers the back office but not users; payroll is not theirs", () => {
    expect(paths("manager", "office")).toEqual(["/office/products", "/office/customers", "/office/invoices", "/office/register", "/office/devices", "/office/sync"]);
    expect(paths("manager", "hr")).toEqual(["/hr/attendance", "/hr/punches", "/hr/leave", "/hr/register", "/hr/employees"]);
  });

  it("gives administrators users and payroll, but not punch corrections (HR and managers)", () => {
    expect(paths("admin")).toContain("/office/users");
    expect(paths("admin")).toContain("/hr/payroll");
    expect(paths("admin")).not.toContain("/hr/punches");
  });

  it("keeps cashiers to the till's screens: customers, invoices, register, devices, sync", () => {
    expect(paths("cashier")).toEqual(["/office/customers", "/office/invoices", "/office/register", "/office/devices", "/office/sync"]);
  });

  it("gives HR attendance, corrections, leave, payroll and the directory, and no back office", () => {
    expect(paths("hr", "office")).toEqual([]);
    expect(paths("hr")).toEqual(["/hr/attendance", "/hr/punches", "/hr/leave", "/hr/register", "/hr/payroll", "/hr/employees"]);
  });

  it("gives employees their own attendance and leave", () => {
    expect(paths("employee")).toEqual(["/hr/attendance", "/hr/leave"]);
  });

  it("lands sellers on their till and the others on their first screen", () => {
    expect(homeFor("cashier")).toMatch(/^\/pos\/T/);
    expect(homeFor("hr")).toBe("/hr/attendance");
    expect(homeFor("employee")).toBe("/hr/attendance");
  });
});
