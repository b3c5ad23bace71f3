from homeward_shared.serve import serve

from homeward_dashboard.bootstrap import bootstrap

if __name__ == "__main__":
    serve(bootstrap())
