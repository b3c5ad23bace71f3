from homeward_shared.serve import serve

from homeward_recovery.bootstrap import bootstrap

if __name__ == "__main__":
    serve(bootstrap())
