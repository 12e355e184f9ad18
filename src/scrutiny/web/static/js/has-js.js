// Marks the page as having JavaScript before it is first drawn, so CSS can show what only works with it (the
// phone's Menu button) without a flash. A file, not an inline script: the Content-Security-Policy allows no
// inline script (scrutiny.web.security_headers).
document.documentElement.classList.add("js");
