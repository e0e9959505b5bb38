// The "Copy link" button beside a new short link.
//
// A file of its own, not an inline <script>: the app's Content-Security-Policy
// (default-src 'self') runs only scripts this site serves as files, so a
// script that an attacker slips into a page as text never runs.
"use strict";

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy");
  if (button === null) {
    return;
  }
  const status = button.parentElement.querySelector(".copy-status");
  status.textContent = ""; // a second "Copied" is news too: the live region hears a change
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    status.textContent = "Copied";
  } catch {
    // No clipboard (refused, or an insecure origin): select the link, to copy by hand.
    const link = button.parentElement.querySelector("a.short-link");
    window.getSelection().selectAllChildren(link);
    status.textContent = "Could not copy: the link is selected, press Ctrl+C (⌘C) to copy it";
  }
});
