"""What the tests, bench/, drills/ and loadtest/ share to run the system: child processes, the
databases they use, the stack started as the Procfile starts it, private PostgreSQL and Redis
servers, the contract's candidate client, generated PDFs and a fake Gemini server.

Nothing here imports an app, so the tests of any app may use it.
"""
