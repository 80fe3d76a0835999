// SPDX-License-Identifier: Apache-2.0
// Placeholder script of the console server (console-ui replaces it): shows the page's API answer.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  let url = "/api/things";
  if (page === "violations") url = "/api/violations";
  if (page === "thing") url = "/api/things/" + location.pathname.split("/").pop();
  fetch(url).then((r) => r.json()).then((data) => {
    document.getElementById("data").textContent = JSON.stringify(data, null, 2);
  });
});
