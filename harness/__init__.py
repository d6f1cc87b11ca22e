"""What the tests, bench/, drills/ and loadtest/ share to run the system: child processes, the
databases they use, the stack started as the Procfile starts it, private PostgreSQL and Redis
servers, the contract's candidate client, generated PDFs, a fake Gemini server and what a
benchmark measures of a run (percentiles, CPU over a window).

Nothing here imports an app, so the tests of any app may use it.
"""
