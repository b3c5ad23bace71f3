from tools.demo.demo import main

main()
