pytest_plugins = ["homeward_shared.testing.plugin"]
