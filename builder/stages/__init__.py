"""Pipeline stages. Each module has pure functions that tests call directly and one thin
`run(docs, cfg, stats, ...)` generator that wires them in. A stage never knows where it runs."""
