// A small net/http app: `devparity up` serves "v1 development" on
// http://127.0.0.1:8080, `devparity up prod --detach` "v1 production".
package main

import (
	"log"
	"net/http"
	"os"

	"example.com/greet"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	env := os.Getenv("APP_ENV")
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(greet.Hello(env)))
	})
	log.Printf("listening on :%s (%s)", port, env)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
