from labeldesk.cli import run

# Only when run as `python -m labeldesk`: a process the command starts with "spawn" (the
# decoding pool, the damage check) imports this module again as __mp_main__, and must not
# run the command a second time in there
if __name__ == "__main__":
    run()
