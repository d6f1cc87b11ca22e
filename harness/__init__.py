"""What the tests, bench/, drills/ and loadtest/ share to run the system: child processes, the
databases they use, the stack started as the Procfile starts it, an HTTP client of the contract,
generated PDFs and a fake Gemini server.

`processes`, `client`, `pdfs` and `fake_gemini` import no app, so any app's tests may use them;
the other modules start or seed the whole system and may import every app.
"""
