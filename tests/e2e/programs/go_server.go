// An HTTP server in Go that answers with its pid. With LISTEN_FDS (pm's
// --listen) it serves the socket at fd 3, as pm's warning tells Go programs
// to; otherwise it binds the port in its first argument itself.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	var listener net.Listener
	var err error
	if os.Getenv("LISTEN_FDS") != "" {
		listener, err = net.FileListener(os.NewFile(3, "listener"))
	} else {
		listener, err = net.Listen("tcp", ":"+os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("serving")
	for {
		conn, err := listener.Accept()
		if err != nil {
			continue
		}
		body := fmt.Sprintf("pid %d", os.Getpid())
		conn.Read(make([]byte, 4096))
		fmt.Fprintf(conn, "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		conn.Close()
	}
}
