// Shows the daemon's health on the placeholder page (a separate file: the CSP forbids inline scripts).
fetch("/api/v1/health")
  .then((response) => response.json())
  .then((health) => {
    document.getElementById("health").textContent =
      `${health.status} — store ${health.store}, version ${health.version}, schema ${health.database.schema_version}`;
  })
  .catch(() => {
    document.getElementById("health").textContent = "unreachable";
  });
