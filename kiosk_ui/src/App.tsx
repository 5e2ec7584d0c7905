import { Navigate, Route, Routes } from "react-router";
import { useMeQuery } from "./api/api";
import { RequireAuth } from "./auth/RequireAuth";
import { DIRECTORY_READERS, SELLERS, homeFor, lastTill } from "./auth/roles";
import { Shell } from "./components/Shell";
import { DisplayPage } from "./pages/DisplayPage";
import { EmployeesPage } from "./pages/EmployeesPage";
import { LoginPage } from "./pages/LoginPage";
import { PosPage } from "./pages/pos/PosPage";

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
      <Route
        path="/hr/employees"
        element={
          <RequireAuth roles={DIRECTORY_READERS}>
            <EmployeesPage />
          </RequireAuth>
        }
      />
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
