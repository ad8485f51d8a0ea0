from profscout.cli.app import main

main()
