"""What the JSON API and the web pages share over HTTP: who is calling (token, session, or the
local user), CSRF for browser sessions, the project scope as HTTP answers, and the rate limit
on questions."""
