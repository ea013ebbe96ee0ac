// Command client-go-bench is the client-go contender of tools/bench (run.mjs): a client-go
// SharedIndexInformer on pods in all namespaces, built the way client-go's informer factory
// builds one (k8s.io/client-go/informers/core/v1.NewFilteredPodInformer: a ListWatch over the
// typed pods client, the namespace index, no resync), with client-go's defaults (JSON content
// type; WatchList only when KUBE_FEATURE_WatchListClient=true, client-go 0.32's feature gate).
//
// It speaks the contender protocol of contenders/harness.mjs itself, over the Node IPC channel
// the harness opens (NODE_CHANNEL_FD, newline-delimited JSON in both directions), so that no
// Node process runs beside it on the client CPU. Measured the same way as the Node contenders:
// sync time from just before the client is built to "HasSynced and N add notifications", peak
// RSS from getrusage(RUSAGE_SELF).ru_maxrss (what Node's process.resourceUsage().maxRSS reads),
// heap after two forced GCs (Go: runtime.MemStats.HeapAlloc, the bytes of live heap objects).
// Phases implemented: the initial sync (B1) and the relist after a 410 (B4); other commands are
// ignored.
//
// Build (GOPATH mode against Debian's golang-k8s-client-go-dev, offline):
//
//	GO111MODULE=off GOPATH=$HOME/go:/usr/share/gocode go build -o /tmp/client-go-bench .
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

// channel is the IPC channel to the harness.
type channel struct {
	mu sync.Mutex
	f  *os.File
}

func (c *channel) send(msg map[string]any) {
	b, err := json.Marshal(msg)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.f.Write(append(b, '\n')); err != nil {
		os.Exit(1) // the harness is gone
	}
}

// command is a message from the harness ({ cmd: 'relist' | 'exit', ... }).
type command struct {
	Cmd       string  `json:"cmd"`
	Changed   int     `json:"changed"`
	Deleted   int     `json:"deleted"`
	TimeoutMs float64 `json:"timeoutMs"`
	QuietMs   float64 `json:"quietMs"`
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func rusage() syscall.Rusage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru
}

func cpuMs(ru syscall.Rusage) float64 {
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// rss is the current resident set size in bytes (/proc/self/statm).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Nanoseconds()) / 1e6 }

// phase counts notifications during the B4 relist.
type phase struct {
	mu     sync.Mutex
	active bool
	counts map[string]int
	last   time.Time
}

func (p *phase) event(kind string) {
	p.mu.Lock()
	if p.active {
		p.counts[kind]++
		p.last = time.Now()
	}
	p.mu.Unlock()
}

func main() {
	fd := 3
	if s := os.Getenv("NODE_CHANNEL_FD"); s != "" {
		fd, _ = strconv.Atoi(s)
	}
	ipc := &channel{f: os.NewFile(uintptr(fd), "ipc")}
	n, _ := strconv.Atoi(os.Getenv("BENCH_N"))
	kubeconfig := os.Getenv("BENCH_KUBECONFIG")

	// How the latest (re)list got its state: "watchlist" or "list rv=… paged|unpaged".
	var path atomic.Value
	path.Store("n/a")
	var pages int
	var listRV string
	var adds atomic.Int64
	var synced atomic.Bool
	ph := &phase{}

	baseline := heapAfterGC()
	t0 := time.Now()
	ru0 := rusage()

	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		ipc.send(map[string]any{"type": "error", "message": "client-go: " + err.Error()})
		select {}
	}
	client := kubernetes.NewForConfigOrDie(config)
	pods := client.CoreV1().Pods(metav1.NamespaceAll)
	lw := &cache.ListWatch{
		ListFunc: func(options metav1.ListOptions) (k8sruntime.Object, error) {
			if options.Continue == "" {
				pages = 0
				listRV = options.ResourceVersion
			}
			list, err := pods.List(context.TODO(), options)
			if err == nil {
				pages++
				mode := "unpaged"
				if pages > 1 || list.Continue != "" {
					mode = "paged"
				}
				rv := listRV
				if rv == "" {
					rv = "consistent"
				} else {
					rv = "rv=" + rv
				}
				path.Store(fmt.Sprintf("list %s %s", rv, mode))
			}
			return list, err
		},
		WatchFunc: func(options metav1.ListOptions) (watch.Interface, error) {
			if options.SendInitialEvents != nil && *options.SendInitialEvents {
				path.Store("watchlist")
			}
			return pods.Watch(context.TODO(), options)
		},
	}
	informer := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	_ = informer.SetWatchErrorHandler(func(_ *cache.Reflector, err error) {
		// Like the client-node contender: an error before the initial sync fails the run.
		if !synced.Load() {
			ipc.send(map[string]any{"type": "error", "message": "client-go: " + err.Error()})
		}
		cache.DefaultWatchErrorHandler(nil, err)
	})
	reg, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { adds.Add(1); ph.event("add") },
		UpdateFunc: func(any, any) { ph.event("update") },
		DeleteFunc: func(any) { ph.event("delete") },
	})
	if err != nil {
		ipc.send(map[string]any{"type": "error", "message": "client-go: " + err.Error()})
		select {}
	}
	stop := make(chan struct{})
	go informer.Run(stop)
	tick := time.NewTicker(time.Millisecond)
	for adds.Load() < int64(n) || !reg.HasSynced() {
		<-tick.C
	}
	tick.Stop()
	synced.Store(true)
	syncMs := msSince(t0)
	ru := rusage()
	heap := heapAfterGC()
	ipc.send(map[string]any{
		"type":              "synced",
		"syncMs":            syncMs,
		"syncCpuMs":         cpuMs(ru) - cpuMs(ru0),
		"peakRssBytes":      ru.Maxrss * 1024,
		"heapAfterGcBytes":  heap,
		"retainedHeapBytes": int64(heap) - int64(baseline),
		"steadyRssBytes":    rss(),
		"adds":              adds.Load(),
		"path":              path.Load(),
	})

	in := bufio.NewScanner(ipc.f)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	for in.Scan() {
		var c command
		if json.Unmarshal(in.Bytes(), &c) != nil {
			continue
		}
		switch c.Cmd {
		case "relist":
			go relist(c, ipc, ph, reg.HasSynced, &path)
		case "exit":
			close(stop)
			os.Exit(0)
		}
	}
	os.Exit(0) // the channel closed: the harness is gone
}

// relist is B4: after the harness provoked a 410, wait until the changed/deleted notifications
// arrived, nothing more came for quietMs and the handler has synced; sample RSS every 5 ms.
func relist(c command, ipc *channel, ph *phase, hasSynced func() bool, path *atomic.Value) {
	steady := rss()
	start := time.Now()
	var peak atomic.Uint64
	peak.Store(steady)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if r := rss(); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	ph.mu.Lock()
	ph.active = true
	ph.counts = map[string]int{"add": 0, "update": 0, "delete": 0}
	ph.last = start
	ph.mu.Unlock()
	ipc.send(map[string]any{"type": "ready"})
	quiet := time.Duration(c.QuietMs * float64(time.Millisecond))
	if c.QuietMs == 0 {
		quiet = 1500 * time.Millisecond
	}
	timeout := time.Duration(c.TimeoutMs * float64(time.Millisecond))
	for {
		time.Sleep(10 * time.Millisecond)
		ph.mu.Lock()
		enough := ph.counts["update"] >= c.Changed && ph.counts["delete"] >= c.Deleted
		last := ph.last
		ph.mu.Unlock()
		if (enough && time.Since(last) > quiet && hasSynced()) || time.Since(start) > timeout {
			break
		}
	}
	close(done)
	ph.mu.Lock()
	ph.active = false
	counts := ph.counts
	last := ph.last
	ph.mu.Unlock()
	ipc.send(map[string]any{
		"type":           "relist-done",
		"ms":             float64(last.Sub(start).Nanoseconds()) / 1e6,
		"counts":         counts,
		"steadyRssBytes": steady,
		"peakRssBytes":   peak.Load(),
		"path":           path.Load(),
	})
}
