from nelm._entry import main

main()
