/** Small helpers for work the modules start on threads of their own. */
package dev.sdembed.concurrent;
