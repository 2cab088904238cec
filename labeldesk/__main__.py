from labeldesk.cli import main

raise SystemExit(main())
