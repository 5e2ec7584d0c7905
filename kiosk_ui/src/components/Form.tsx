import type { ReactNode } from "react";
import type { ApiError } from "../api/types";
import { fieldMatches, unplacedError } from "../lib/forms";

/** The API's message under the field it names (role=alert so a screen reader says it). */
export function FieldError({ error, name, exact = false }: { error: ApiError | null; name: string; exact?: boolean }) {
  if (!error || !(exact ? error.field === name : fieldMatches(error.field, name))) return null;
  return (
    <p className="mt-1 text-sm text-rose-700" role="alert" data-testid="field-error" data-field={error.field ?? ""}>
      {error.message}
    </p>
  );
}

/** An error that names none of the form's fields: shown once, above the form. */
export function FormError({ error, fields = [] }: { error: ApiError | null; fields?: readonly string[] }) {
  const shown = unplacedError(error, fields);
  if (!shown) return null;
  return (
    <p className="mb-3 rounded-lg bg-rose-50 px-3 py-2 text-rose-800" role="alert" data-testid="form-error">
      {shown.message}
    </p>
  );
}

/** A labelled field with its error under it. */
export function Field({
  label,
  name,
  error,
  children,
  className = "",
}: {
  label: string;
  name: string;
  error: ApiError | null;
  children: ReactNode;
  className?: string;
}) {
  return (
    <label className={`block ${className}`}>
      <span className="mb-1 block text-sm font-medium text-slate-600">{label}</span>
      {children}
      <FieldError error={error} name={name} />
    </label>
  );
}

/** Page title and tools in one row. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="mb-3 flex flex-wrap items-center gap-3">
      <h1 className="text-2xl font-semibold">{title}</h1>
      {children}
    </div>
  );
}

/** A short success or error line after an action. */
export function Flash({ text, kind = "success" }: { text: string | null; kind?: "success" | "error" }) {
  if (!text) return null;
  const look = kind === "success" ? "bg-emerald-50 text-emerald-800" : "bg-rose-50 text-rose-800";
  return (
    <p className={`rounded-lg px-3 py-2 ${look}`} role="status" data-testid="flash">
      {text}
    </p>
  );
}
