/* ubexit: exits at once; what ubench's fork-exec benchmark executes. */
int main(void)
{
	return 0;
}
