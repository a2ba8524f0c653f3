package main

import (
	"net/http"
	"os"

	"example.com/greet"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(greet.Body("v1")))
	})
	http.ListenAndServe(":"+os.Getenv("PORT"), nil)
}
