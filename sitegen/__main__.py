from sitegen.cli import run

# Guarded: worker processes (spawned by build and serve) import the main module again.
if __name__ == "__main__":
    run()
