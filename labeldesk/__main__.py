from labeldesk.entry import run

# Only when run as `python -m labeldesk`: a process the command starts with "spawn" (the
# decoding pool, the damage check) imports this module again as __mp_main__, and must not
# run the command a second time in there. (labeldesk.entry imports only the standard
# library: the command line loads inside run(), where Ctrl+C already stops it cleanly)
if __name__ == "__main__":
    run()
