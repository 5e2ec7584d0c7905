import type { Role } from "../api/types";

// Who may do what, as the API's routes allow it (edge/web/*.py `roles=`). The kiosk only hides what a
// role may not open; the API decides.

/** Who sells at a till (GET /tills/{till}/cart and the sale routes allow these roles). */
export const SELLERS: readonly Role[] = ["admin", "manager", "cashier"];
/** Who may read the employee directory (GET /api/v1/employees). */
export const DIRECTORY_READERS: readonly Role[] = ["admin", "hr", "manager"];
/** Who edits products and customers, corrects invoices, takes returns, reads Z-reports. */
export const MANAGERS: readonly Role[] = ["admin", "manager"];
/** Logins a shared attendance terminal may run under (attendance.TERMINAL_ROLES). */
export const TERMINAL_ROLES: readonly Role[] = ["admin", "cashier", "hr", "manager"];
/** Who corrects punches and decides on leave (attendance.CORRECTION_ROLES, DECIDER_ROLES). */
export const HR_DECIDERS: readonly Role[] = ["hr", "manager"];
/** Who sets employees' attendance-terminal PINs (POST /attendance/employees/{code}/pin). */
export const PIN_SETTERS: readonly Role[] = ["admin", "hr"];
/** Who reads the monthly attendance register and the overtime / late reports (attendance.DERIVE_ROLES). */
export const HR_SUPERVISORS: readonly Role[] = ["admin", "hr", "manager"];
/** Who runs payroll (payroll.PAYROLL_ROLES). */
export const PAYROLL_ROLES: readonly Role[] = ["admin", "hr"];
export const EVERYONE: readonly Role[] = ["admin", "manager", "cashier", "hr", "employee"];

export type ScreenGroup = "office" | "hr" | "reports";

export interface Screen {
  path: string;
  label: string;
  group: ScreenGroup;
  roles: readonly Role[];
}

/** The back-office and HR screens, in menu order, with the roles that may open them. */
export const SCREENS: readonly Screen[] = [
  { path: "/office/products", label: "Products", group: "office", roles: MANAGERS },
  { path: "/office/customers", label: "Customers", group: "office", roles: SELLERS },
  { path: "/office/invoices", label: "Invoices", group: "office", roles: SELLERS },
  { path: "/office/register", label: "Register", group: "office", roles: SELLERS },
  { path: "/office/devices", label: "Devices", group: "office", roles: SELLERS },
  { path: "/office/sync", label: "Cloud sync", group: "office", roles: SELLERS },
  { path: "/office/users", label: "Users", group: "office", roles: ["admin"] },
  { path: "/reports/dashboard", label: "Dashboard", group: "reports", roles: MANAGERS },
  { path: "/reports/gst", label: "GST returns", group: "reports", roles: MANAGERS },
  { path: "/hr/attendance", label: "Attendance", group: "hr", roles: ["admin", "hr", "manager", "employee"] },
  { path: "/hr/punches", label: "Punch corrections", group: "hr", roles: HR_DECIDERS },
  { path: "/hr/leave", label: "Leave", group: "hr", roles: ["admin", "hr", "manager", "employee"] },
  { path: "/hr/register", label: "Monthly register", group: "hr", roles: HR_SUPERVISORS },
  { path: "/hr/payroll", label: "Payroll", group: "hr", roles: PAYROLL_ROLES },
  { path: "/hr/employees", label: "Employees", group: "hr", roles: DIRECTORY_READERS },
];

/** The screens of a group a role may open. */
export function screensFor(role: Role, group?: ScreenGroup): Screen[] {
  return SCREENS.filter((s) => s.roles.includes(role) && (!group || s.group === group));
}

/** The roles that may open a path of SCREENS (for the route guard). */
export function rolesOf(path: string): readonly Role[] {
  const screen = SCREENS.find((s) => s.path === path);
  if (!screen) throw new Error(`no screen ${path}`);
  return screen.roles;
}

const LAST_TILL = "pos:last-till";

export function lastTill(): string {
  try {
    return localStorage.getItem(LAST_TILL) || "T1";
  } catch {
    return "T1";
  }
}

export function rememberTill(till: string): void {
  try {
    localStorage.setItem(LAST_TILL, till);
  } catch {
    // storage disabled: T1 next time
  }
}

/** Where a role lands after logging in. */
export function homeFor(role: Role): string {
  if (SELLERS.includes(role)) return `/pos/${lastTill()}`;
  const first = screensFor(role)[0];
  return first ? first.path : "/welcome";
}
