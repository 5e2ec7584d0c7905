import { Suspense, lazy, type ComponentType, type ReactNode } from "react";
import { Navigate, Route, Routes } from "react-router";
import { useMeQuery } from "./api/api";
import type { Role } from "./api/types";
import { RequireAuth } from "./auth/RequireAuth";
import { SELLERS, TERMINAL_ROLES, homeFor, lastTill, rolesOf } from "./auth/roles";
import { Shell } from "./components/Shell";
import { DisplayPage } from "./pages/DisplayPage";
import { LoginPage } from "./pages/LoginPage";
import { PosPage } from "./pages/pos/PosPage";

// The back office, HR and the attendance terminal load on first use (React.lazy): the cashier screen's
// bundle stays small. One chunk per module; a module's pages share it.
function lazyPage<M>(load: () => Promise<M>, name: keyof M) {
  return lazy(async () => ({ default: (await load())[name] as ComponentType }));
}
const ProductsPage = lazyPage(() => import("./pages/office/ProductsPage"), "ProductsPage");
const CustomersPage = lazyPage(() => import("./pages/office/CustomersPage"), "CustomersPage");
const CustomerPage = lazyPage(() => import("./pages/office/CustomerPage"), "CustomerPage");
const invoices = () => import("./pages/office/InvoicePage");
const InvoicesPage = lazyPage(invoices, "InvoicesPage");
const InvoicePage = lazyPage(invoices, "InvoicePage");
const RegisterPage = lazyPage(() => import("./pages/office/RegisterPage"), "RegisterPage");
const store = () => import("./pages/office/StorePages");
const DevicesPage = lazyPage(store, "DevicesPage");
const SyncPage = lazyPage(store, "SyncPage");
const UsersPage = lazyPage(store, "UsersPage");
const hr = () => import("./pages/hr/HrPages");
const AttendancePage = lazyPage(hr, "AttendancePage");
const PunchesPage = lazyPage(hr, "PunchesPage");
const LeavePage = lazyPage(hr, "LeavePage");
const PayrollPage = lazyPage(hr, "PayrollPage");
const MonthlyRegisterPage = lazyPage(() => import("./pages/hr/HrReports"), "MonthlyRegisterPage");
const EmployeesPage = lazyPage(() => import("./pages/EmployeesPage"), "EmployeesPage");
const TerminalPage = lazyPage(() => import("./pages/TerminalPage"), "TerminalPage");
const DashboardPage = lazyPage(() => import("./pages/reports/DashboardPage"), "DashboardPage");
const GstPage = lazyPage(() => import("./pages/reports/GstPage"), "GstPage");

function Loading() {
  return <div className="p-8 text-lg text-slate-500">Loading…</div>;
}

/** A lazily loaded screen behind the role guard. */
function guarded(roles: readonly Role[], page: ReactNode) {
  return (
    <RequireAuth roles={roles}>
      <Suspense fallback={<Loading />}>{page}</Suspense>
    </RequireAuth>
  );
}

function Home() {
  const { data: user, isLoading } = useMeQuery();
  if (isLoading) return null;
  return <Navigate to={user ? homeFor(user.role) : "/login"} replace />;
}

function Welcome() {
  return (
    <Shell>
      <div className="mx-auto mt-16 max-w-xl card p-8 text-lg">
        <h1 className="mb-2 text-2xl font-semibold">Nothing to do here yet</h1>
        <p className="text-slate-600">
          The kiosk has no screens for your role yet. The attendance terminal and the employee self-service pages
          arrive with their APIs.
        </p>
      </div>
    </Shell>
  );
}

function NotFound() {
  return (
    <div className="mx-auto mt-16 max-w-xl card p-8 text-lg">
      <h1 className="mb-2 text-2xl font-semibold">No such screen</h1>
      <a className="text-sky-700 underline" href="/">Go to the start screen</a>
    </div>
  );
}

export default function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/" element={<Home />} />
      <Route path="/pos" element={<Navigate to={`/pos/${lastTill()}`} replace />} />
      <Route
        path="/pos/:till"
        element={
          <RequireAuth roles={SELLERS}>
            <PosPage />
          </RequireAuth>
        }
      />
      <Route
        path="/display/:till"
        element={
          <RequireAuth roles={SELLERS}>
            <DisplayPage />
          </RequireAuth>
        }
      />
      <Route path="/office" element={<Navigate to="/office/products" replace />} />
      <Route path="/office/products" element={guarded(rolesOf("/office/products"), <ProductsPage />)} />
      <Route path="/office/customers" element={guarded(rolesOf("/office/customers"), <CustomersPage />)} />
      <Route path="/office/customers/:id" element={guarded(rolesOf("/office/customers"), <CustomerPage />)} />
      <Route path="/office/invoices" element={guarded(rolesOf("/office/invoices"), <InvoicesPage />)} />
      <Route path="/office/invoices/:id" element={guarded(rolesOf("/office/invoices"), <InvoicePage />)} />
      <Route path="/office/register" element={guarded(rolesOf("/office/register"), <RegisterPage />)} />
      <Route path="/office/register/:till" element={guarded(rolesOf("/office/register"), <RegisterPage />)} />
      <Route path="/office/devices" element={guarded(rolesOf("/office/devices"), <DevicesPage />)} />
      <Route path="/office/sync" element={guarded(rolesOf("/office/sync"), <SyncPage />)} />
      <Route path="/office/users" element={guarded(rolesOf("/office/users"), <UsersPage />)} />
      <Route path="/hr/attendance" element={guarded(rolesOf("/hr/attendance"), <AttendancePage />)} />
      <Route path="/hr/punches" element={guarded(rolesOf("/hr/punches"), <PunchesPage />)} />
      <Route path="/hr/leave" element={guarded(rolesOf("/hr/leave"), <LeavePage />)} />
      <Route path="/hr/register" element={guarded(rolesOf("/hr/register"), <MonthlyRegisterPage />)} />
      <Route path="/hr/payroll" element={guarded(rolesOf("/hr/payroll"), <PayrollPage />)} />
      <Route path="/hr/employees" element={guarded(rolesOf("/hr/employees"), <EmployeesPage />)} />
      <Route path="/reports" element={<Navigate to="/reports/dashboard" replace />} />
      <Route path="/reports/dashboard" element={guarded(rolesOf("/reports/dashboard"), <DashboardPage />)} />
      <Route path="/reports/gst" element={guarded(rolesOf("/reports/gst"), <GstPage />)} />
      <Route path="/terminal" element={<Navigate to="/terminal/gate" replace />} />
      <Route path="/terminal/:device" element={guarded(TERMINAL_ROLES, <TerminalPage />)} />
      <Route
        path="/welcome"
        element={
          <RequireAuth>
            <Welcome />
          </RequireAuth>
        }
      />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
