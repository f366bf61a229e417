from nelm.cli import main

raise SystemExit(main())
