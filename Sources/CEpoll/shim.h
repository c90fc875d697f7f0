// CEpoll: Linux's epoll, which Swift's Glibc module does not import. The daemon's event loop
// (Sources/Daemon/EventLoop.swift) uses it to watch every client socket from one thread.
#include <sys/epoll.h>
