def whoami():
    return "I am the MyModule of perdir"
